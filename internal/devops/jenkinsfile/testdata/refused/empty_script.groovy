pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh ''
            }
        }
    }
}
// want: line 6, column 20: sh's script is empty
// field: spec.definition.stages[0].steps[0].shell.script
