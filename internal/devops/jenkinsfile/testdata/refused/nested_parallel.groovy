pipeline {
    agent any
    stages {
        stage('a') {
            parallel {
                stage('b') {
                    parallel {
                        stage('c') { steps { sh 'c' } }
                    }
                }
            }
        }
    }
}
// want: line 7, column 21: parallel inside a parallel branch is not supported
// field: spec.definition.stages[0].parallel[0]
