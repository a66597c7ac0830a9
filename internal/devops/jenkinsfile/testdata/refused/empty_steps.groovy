pipeline {
    agent any
    stages {
        stage('a') {
            steps {
            }
        }
    }
}
// want: line 5, column 13: stage "a" has no steps
// field: spec.definition.stages[0].steps
