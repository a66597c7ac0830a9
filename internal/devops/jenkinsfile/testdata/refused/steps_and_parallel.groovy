pipeline {
    agent any
    stages {
        stage('a') {
            steps { sh 'a' }
            parallel {
                stage('b') { steps { sh 'b' } }
            }
        }
    }
}
// want: line 6, column 13: a stage has either steps or parallel, not both
// field: spec.definition.stages[0]
