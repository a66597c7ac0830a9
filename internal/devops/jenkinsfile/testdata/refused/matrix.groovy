pipeline {
    agent any
    stages {
        stage('a') {
            matrix {
                axes { axis { name 'OS'; values 'linux', 'windows' } }
                stages { stage('b') { steps { sh 'b' } } }
            }
        }
    }
}
// want: line 5, column 13: matrix is not supported
// field: spec.definition.stages[0]
