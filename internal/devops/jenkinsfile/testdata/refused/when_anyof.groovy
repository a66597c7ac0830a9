pipeline {
    agent any
    stages {
        stage('a') {
            when { anyOf { branch 'main'; branch 'dev' } }
            steps { sh 'a' }
        }
    }
}
// want: line 5, column 20: when condition "anyOf" is not supported (supported: branch, environment, expression { params.NAME == 'value' })
// field: spec.definition.stages[0].when
