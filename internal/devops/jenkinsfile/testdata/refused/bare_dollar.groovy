pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                sh "cost: $5"
            }
        }
    }
}
// want: line 6, column 27: a "$" in a double-quoted string must start ${...} or a name; write \$ for a "$" itself
// field: spec.definition
