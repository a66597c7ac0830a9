pipeline {
    agent any
    stages {
        stage('build') { steps { sh 'a' } }
        stage('test') {
            parallel {
                stage('build') { steps { sh 'b' } }
            }
        }
    }
}
// want: line 7, column 17: stage name "build" is already used on line 4
// field: spec.definition.stages[1].parallel[0].name
