pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh 'x\d'
            }
        }
    }
}
// want: line 6, column 22: unknown escape \d in a string
// field: spec.definition
