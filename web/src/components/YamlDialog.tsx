import { Modal, ModalBody, ModalHeader } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import type { KindInfo } from '../api/kinds';
import { YamlTab } from './YamlTab';

/**
 * YamlDialog shows an object's YAML in a dialog, from a list's row: those
 * who may update it edit it, and the change is sent as a server-side dry run
 * whose diff is shown before it is applied (YamlTab).
 */
export function YamlDialog({ kind, namespace, name, canEdit, onClose }: { kind: KindInfo; namespace?: string; name: string; canEdit: boolean; onClose: () => void }) {
  const { t } = useTranslation('common');
  return (
    <Modal isOpen onClose={onClose} variant="large" aria-labelledby="yaml-dialog-title" data-test="yaml-dialog">
      <ModalHeader title={canEdit ? t('Edit the YAML of {{name}}', { name }) : t('YAML of {{name}}', { name })} labelId="yaml-dialog-title" />
      <ModalBody>
        <YamlTab kind={kind} namespace={namespace} name={name} canEdit={canEdit} />
      </ModalBody>
    </Modal>
  );
}
