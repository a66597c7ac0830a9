pipeline {
    agent {
        kubernetes {
            yaml '''
apiVersion: v1
kind: Pod
spec:
  containers:
  - name: golang
    image: golang:1.26
'''
            defaultContainer 'golang'
        }
    }
    stages {
        stage('build') {
            agent { label 'docker && linux' }
            steps { sh 'go build ./...' }
            post { failure { echo 'failed' } }
        }
    }
}
