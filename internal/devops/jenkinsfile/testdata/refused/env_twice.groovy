pipeline {
    agent any
    stages {
        stage('a') {
            environment {
                A = 'one'
                A = 'two'
            }
            steps { sh 'a' }
        }
    }
}
// want: line 7, column 17: variable A is set twice
// field: spec.definition.stages[0].environment[1]
