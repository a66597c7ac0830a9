pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                def x = 'y'
            }
        }
    }
}
// want: line 6, column 17: Groovy "def" statements are not supported (only the declarative subset is)
// field: spec.definition
