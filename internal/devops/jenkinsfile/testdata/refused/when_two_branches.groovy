pipeline {
    agent any
    stages {
        stage('a') {
            when {
                branch 'main'
                branch 'dev'
            }
            steps { sh 'a' }
        }
    }
}
// want: line 7, column 17: a second branch condition in one when is not supported (a stage holds one of each)
// field: spec.definition.stages[0].when
