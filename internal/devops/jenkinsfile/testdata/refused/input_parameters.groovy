pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                input message: 'Which?', parameters: [string(name: 'X')]
            }
        }
    }
}
// want: line 6, column 42: input's parameters are not supported (an approval is yes or no)
// field: spec.definition.stages[0].steps[0]
