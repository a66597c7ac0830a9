pipeline {
    agent any
    stages {
        stage('a') {
            input { message 'Go?' }
            parallel {
                stage('b') { steps { sh 'b' } }
            }
        }
    }
}
// want: line 5, column 13: input in a stage with parallel branches is not supported (put it in a branch)
// field: spec.definition.stages[0]
