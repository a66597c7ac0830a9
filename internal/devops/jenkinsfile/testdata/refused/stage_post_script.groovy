pipeline {
    agent any
    stages {
        stage('a') {
            steps {
                sh 'a'
                script {
                    currentBuild.result = 'SUCCESS'
                }
            }
        }
    }
}
// want: line 7, column 17: "script" blocks are not supported (only the declarative subset is)
// field: spec.definition.stages[0].steps[1]
