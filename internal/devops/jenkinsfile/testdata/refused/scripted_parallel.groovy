pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                parallel a: { sh 'a' }, b: { sh 'b' }
            }
        }
    }
}
// want: line 6, column 29: a closure is not supported as a value (scripted syntax)
// field: spec.definition
