pipeline {
    agent any
    environment {
        TOKEN = credentials('token')
        HEADER = "Bearer ${TOKEN}"
    }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 5, column 26: ${TOKEN}: TOKEN is a credential and cannot be put in another variable
// field: spec.definition.environment[1]
