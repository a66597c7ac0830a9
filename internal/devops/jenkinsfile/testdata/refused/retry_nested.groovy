pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                retry(2) { retry(2) { sh 'flaky' } }
            }
        }
    }
}
// want: line 6, column 28: retry inside retry is not supported
// field: spec.definition.stages[0].steps[0]
