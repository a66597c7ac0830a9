pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh 'unterminated
            }
        }
    }
}
// want: line 6, column 20: unterminated string (' without its closing ' on the same line; use ''' for several lines)
// field: spec.definition
