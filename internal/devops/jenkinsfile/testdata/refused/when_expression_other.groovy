pipeline {
    agent any
    stages {
        stage('a') {
            when { expression { return env.BRANCH_NAME == 'main' } }
            steps { sh 'a' }
        }
    }
}
// want: line 5, column 20: only expression { params.NAME == 'value' } is supported (other Groovy expressions are not)
// field: spec.definition.stages[0].when.parameter
