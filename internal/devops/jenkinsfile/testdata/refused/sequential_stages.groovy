pipeline {
    agent any
    stages {
        stage('a') {
            stages {
                stage('b') { steps { sh 'b' } }
            }
        }
    }
}
// want: line 5, column 13: sequential stages (stages inside a stage) are not supported
// field: spec.definition.stages[0]
