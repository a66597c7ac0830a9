pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                echo
            }
        }
    }
}
// want: line 6, column 17: echo needs message
// field: spec.definition.stages[0].steps[0]
