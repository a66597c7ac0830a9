pipeline {
    agent any
    parameters {
        string(name: 'not-valid')
    }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 4, column 9: parameter name "not-valid" is not valid (letters, digits and _, at most 128)
// field: spec.parameters[0]
