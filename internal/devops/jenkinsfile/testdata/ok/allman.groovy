pipeline
{
    agent any
    stages
    {
        stage('one')
        {
            steps
            {
                sh 'one'; sh 'two'
                timeout(time: 1, unit: 'HOURS')
                {
                    sh 'three'
                }
            }
        }
    }
}
