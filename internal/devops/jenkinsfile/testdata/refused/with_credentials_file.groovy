pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                withCredentials([file(credentialsId: 'kubeconfig', variable: 'KC')]) { sh 'kubectl get pods' }
            }
        }
    }
}
// want: line 6, column 34: credential binding "file" is not supported (only string and usernamePassword are)
// field: spec.definition.stages[0].steps[0]
