pipeline {
    agent any
    parameters {
        string(name: 'USER')
        password(name: 'SECRET', defaultValue: '')
    }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 5, column 9: parameter type "password" is not supported (supported: string, text, booleanParam, choice)
// field: spec.parameters[1]
