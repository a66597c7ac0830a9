// want: line 8, column 20: unterminated string (''' without its closing ''')
// field: spec.definition
pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh '''never closed
            }
        }
    }
}
