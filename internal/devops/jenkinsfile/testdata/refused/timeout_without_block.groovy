pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                timeout(time: 5, unit: 'MINUTES')
            }
        }
    }
}
// want: line 6, column 17: timeout in steps wraps steps: timeout(time: 5, unit: 'MINUTES') { ... }
// field: spec.definition.stages[0].steps[0]
