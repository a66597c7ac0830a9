pipeline {
    agent any
    stages {
        stage('a') {
            when { branch 'main' }
        }
    }
}
// want: line 4, column 9: stage "a" has no steps { ... } and no parallel { ... }
// field: spec.definition.stages[0]
