pipeline {
    agent any
    stages {
        stage('a') {
            when { expression { params.DEPLOY == 'yes' } }
            steps { sh 'a' }
        }
    }
}
// want: line 5, column 40: params.DEPLOY: no parameter DEPLOY is declared
// field: spec.definition.stages[0].when.parameter
