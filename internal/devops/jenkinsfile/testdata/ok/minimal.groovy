pipeline {
  agent none
  stages {
    stage('build') { steps { sh 'make' } }
  }
}
