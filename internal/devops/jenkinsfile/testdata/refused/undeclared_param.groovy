pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh "echo ${params.MISSING}"
            }
        }
    }
}
// want: line 6, column 26: ${params.MISSING}: no parameter MISSING is declared
// field: spec.definition.stages[0].steps[0].shell.script
