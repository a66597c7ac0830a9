import { DropdownItem } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { readKubeconfig } from '../api/iam';
import { describeError } from '../api/errors';
import { useToast } from '../components/Toast';
import { formatTime } from '../components/format';
import { kubeconfigExpiry } from './kubeconfig';

/**
 * KubeconfigItem downloads a kubeconfig for kubectl with the user's
 * identity, and says until when its token works.
 */
export function KubeconfigItem({ username }: { username: string }) {
  const { t, i18n } = useTranslation('common');
  const toast = useToast();
  const download = async () => {
    try {
      const text = await readKubeconfig(username);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
      a.download = 'kubeconfig';
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      const exp = kubeconfigExpiry(text);
      toast.success(
        t('Kubeconfig downloaded.'),
        exp ? t('Its token works until {{time}}; download a new one then.', { time: formatTime(exp, i18n.language) }) : undefined,
      );
    } catch (e) {
      const d = describeError(e, t);
      toast.warning(t('The kubeconfig could not be downloaded.'), d.detail);
    }
  };
  return (
    <DropdownItem onClick={() => void download()} data-test="menu-kubeconfig">
      {t('Download kubeconfig')}
    </DropdownItem>
  );
}
