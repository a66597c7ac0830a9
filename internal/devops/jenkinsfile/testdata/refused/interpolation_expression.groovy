pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh "echo ${currentBuild.number}"
            }
        }
    }
}
// want: line 6, column 26: unsupported ${currentBuild.number}: only ${NAME}, ${env.NAME} and ${params.NAME} are supported
// field: spec.definition.stages[0].steps[0].shell.script
