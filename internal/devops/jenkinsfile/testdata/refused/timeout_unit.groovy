pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                timeout(time: 5, unit: 'FORTNIGHTS') { sh 'x' }
            }
        }
    }
}
// want: line 6, column 40: unknown timeout unit "FORTNIGHTS" (use SECONDS, MINUTES, HOURS or DAYS)
// field: spec.definition.stages[0].steps[0].timeout
