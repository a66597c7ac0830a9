pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                dir('../outside') { sh 'ls' }
            }
        }
    }
}
// want: line 6, column 17: dir("../outside"): only a relative folder inside the workspace is supported
// field: spec.definition.stages[0].steps[0]
