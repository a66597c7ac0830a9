pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh 'echo ' + 'concatenated'
            }
        }
    }
}
// want: line 6, column 28: unexpected "+": expressions are not supported (only the declarative subset is)
// field: spec.definition
