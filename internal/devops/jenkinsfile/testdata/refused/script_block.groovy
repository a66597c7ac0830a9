pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                script { def x = 1 }
            }
        }
    }
}
// want: line 6, column 17: "script" blocks are not supported (only the declarative subset is)
// field: spec.definition.stages[0].steps[0]
