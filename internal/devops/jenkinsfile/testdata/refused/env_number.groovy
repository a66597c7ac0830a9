pipeline {
    agent any
    environment {
        COUNT = 3
    }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 4, column 17: an environment value must be a string or credentials('id')
// field: spec.definition.environment[0]
