pipeline {
    agent any
    stages {
        stage('a') { steps { sh 'a' }
    }
}
// want: line 1, column 10: unclosed "{" (no matching "}")
// field: spec.definition
