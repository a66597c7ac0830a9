pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                retry(12) { sh 'flaky' }
            }
        }
    }
}
// want: line 6, column 23: retry's count must be 1 to 11 (attempts in all)
// field: spec.definition.stages[0].steps[0].retry
