pipeline {
    agent any
    parameters {
        string(name: 'X')
        booleanParam(name: 'X')
    }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 5, column 9: parameter X is declared twice
// field: spec.parameters[1]
