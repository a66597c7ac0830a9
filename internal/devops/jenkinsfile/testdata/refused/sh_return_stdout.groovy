pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh script: 'ls', returnStdout: true
            }
        }
    }
}
// want: line 6, column 34: sh's returnStdout is not supported (its result could only be used in a script block)
// field: spec.definition.stages[0].steps[0]
