pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                git branch: 'main'
            }
        }
    }
}
// want: line 6, column 17: git needs url
// field: spec.definition.stages[0].steps[0]
