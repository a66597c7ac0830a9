pipeline {
    agent any
    stages { stage('a') { steps { sh 'a' } } }
}
pipeline {
    agent any
    stages { stage('b') { steps { sh 'b' } } }
}
// want: line 5, column 1: a second pipeline block: a Jenkinsfile has one
// field: spec.definition
