pipeline {
    agent any
    stages {
        stage('') { steps { sh 'a' } }
    }
}
// want: line 4, column 9: a stage's name cannot be empty
// field: spec.definition.stages[0].name
