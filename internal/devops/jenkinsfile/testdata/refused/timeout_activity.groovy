pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                timeout(time: 5, activity: true) { sh 'x' }
            }
        }
    }
}
// want: line 6, column 34: timeout's activity is not supported (only a fixed time is)
// field: spec.definition.stages[0].steps[0].timeout
