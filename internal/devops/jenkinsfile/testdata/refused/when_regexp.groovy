pipeline {
    agent any
    stages {
        stage('a') {
            when { branch pattern: 'release-\\d+', comparator: 'REGEXP' }
            steps { sh 'a' }
        }
    }
}
// want: line 5, column 20: branch comparator "REGEXP" is not supported (only GLOB and EQUALS are)
// field: spec.definition.stages[0].when.branch
