pipeline {
    agent any
    stages {
        stage('a') {
            when { not { branch 'main' } }
            steps { sh 'a' }
        }
    }
}
// want: line 5, column 20: when condition "not" is not supported (supported: branch, environment, expression { params.NAME == 'value' })
// field: spec.definition.stages[0].when
