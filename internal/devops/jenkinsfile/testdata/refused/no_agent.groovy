pipeline {
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 1, column 1: the pipeline has no agent section (write agent any)
// field: spec.definition
