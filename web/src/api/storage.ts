import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import type { KindInfo } from './kinds';
import { deleteObject } from './mutations';
import type { ListParams } from './resources';
import type { K8sObject, List } from './types';

// ke-apiserver's storage API (storage.superkube.io/v1alpha1, docs/storage.md):
// storage classes with what their volumes can do, the default class,
// snapshot classes, a project's claims with the pods that mount them,
// claim expansion, and CSI volume snapshots (take, restore, delete). It
// reads and writes the cluster's own objects as the caller.

export const storageAPI = '/kapis/storage.superkube.io/v1alpha1';

const enc = encodeURIComponent;

/** What a class's volumes can do, derived from the cluster's CSI objects. */
export interface Capabilities {
  snapshot: boolean;
  clone: boolean;
  expand: boolean;
  csi: boolean;
  /** the snapshot classes of the class's driver, its default first */
  snapshotClasses?: string[];
}

export interface StorageClassInfo extends K8sObject {
  provisioner: string;
  reclaimPolicy: string;
  volumeBindingMode: string;
  allowVolumeExpansion: boolean;
  default: boolean;
  parameters?: Record<string, string>;
  capabilities: Capabilities;
}

export interface SnapshotClassInfo extends K8sObject {
  driver: string;
  deletionPolicy: string;
  parameters?: Record<string, string>;
  /** the default snapshot class of its driver */
  default: boolean;
  /** the storage classes whose provisioner is the driver */
  storageClasses: string[];
}

/** A pod of the project whose volumes name a claim. */
export interface MountingPod {
  name: string;
  phase: string;
  nodeName?: string;
  readOnly: boolean;
}

export interface Claim extends K8sObject {
  spec: {
    storageClassName?: string;
    accessModes?: string[];
    volumeMode?: string;
    volumeName?: string;
    resources?: { requests?: { storage?: string } };
    dataSource?: { apiGroup?: string; kind: string; name: string };
  };
  status?: { phase?: string; capacity?: { storage?: string }; conditions?: { type: string; status: string; message?: string }[] };
  mountedBy: MountingPod[];
  /** those of its class; absent when the class does not exist */
  capabilities?: Capabilities;
}

export interface VolumeSnapshot extends K8sObject {
  spec: { source: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string }; volumeSnapshotClassName?: string };
  status?: {
    readyToUse?: boolean;
    restoreSize?: string;
    boundVolumeSnapshotContentName?: string;
    creationTime?: string;
    error?: { message?: string; time?: string };
  };
}

/** The native kinds behind the pages, for the YAML edit and the access review. */
export const storageClassKind: KindInfo = { resource: 'storageclasses', group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', namespaced: false, sortBy: [], statuses: [] };
export const volumeSnapshotKind: KindInfo = { resource: 'volumesnapshots', group: 'snapshot.storage.k8s.io', version: 'v1', kind: 'VolumeSnapshot', namespaced: true, sortBy: [], statuses: [] };
export const claimKind: KindInfo = { resource: 'persistentvolumeclaims', group: '', version: 'v1', kind: 'PersistentVolumeClaim', namespaced: true, sortBy: [], statuses: [] };

const classesPath = `${storageAPI}/storageclasses`;
const snapshotClassesPath = `${storageAPI}/volumesnapshotclasses`;

function claimsPath(namespace: string) {
  return `${storageAPI}/namespaces/${enc(namespace)}/persistentvolumeclaims`;
}

function snapshotsPath(namespace: string) {
  return `${storageAPI}/namespaces/${enc(namespace)}/volumesnapshots`;
}

/** How often a project's claims and snapshots are read again: a snapshot becomes ready, a pod mounts a claim. */
const refreshMs = 5_000;

/** useStorageClasses reads a page of the storage classes with their capabilities. */
export function useStorageClasses(params: ListParams, enabled = true) {
  return useQuery({
    queryKey: ['api', classesPath, params],
    queryFn: ({ signal }) => api.get<List<StorageClassInfo>>(classesPath + query(params), signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** useSnapshotClasses reads the snapshot classes (a cluster has a few), each with its driver's storage classes. */
export function useSnapshotClasses(enabled = true, driver?: string) {
  const params = { limit: 100, sortBy: 'name', ascending: true, driver };
  return useQuery({
    queryKey: ['api', snapshotClassesPath, params],
    queryFn: ({ signal }) => api.get<List<SnapshotClassInfo>>(snapshotClassesPath + query(params), signal),
    enabled,
  });
}

/**
 * useClaims reads a page of a project's claims, each with the pods that
 * mount it and its class's capabilities, again every 5 seconds (pods come
 * and go, claims get bound and grow).
 */
export function useClaims(namespace: string, params: ListParams, enabled = true) {
  return useQuery({
    queryKey: ['api', claimsPath(namespace), params],
    queryFn: ({ signal }) => api.get<List<Claim>>(claimsPath(namespace) + query(params), signal),
    placeholderData: keepPreviousData,
    refetchInterval: refreshMs,
    enabled,
  });
}

/** useSnapshots reads a page of a project's volume snapshots, again every 5 seconds (they become ready). */
export function useSnapshots(namespace: string, params: ListParams, enabled = true) {
  return useQuery({
    queryKey: ['api', snapshotsPath(namespace), params],
    queryFn: ({ signal }) => api.get<List<VolumeSnapshot>>(snapshotsPath(namespace) + query(params), signal),
    placeholderData: keepPreviousData,
    refetchInterval: refreshMs,
    enabled,
  });
}

/** setDefaultClass makes the class the cluster's only default class. */
export function setDefaultClass(name: string) {
  return api.post<StorageClassInfo>(`${classesPath}/${enc(name)}/default`);
}

/** expandClaim asks for a larger size of a claim; the server refuses a smaller one or a class that cannot expand. */
export function expandClaim(namespace: string, name: string, storage: string) {
  return api.post<Claim>(`${claimsPath(namespace)}/${enc(name)}/expand`, { spec: { resources: { requests: { storage } } } });
}

/** takeSnapshot snapshots a claim; an empty class is the driver's default. */
export function takeSnapshot(namespace: string, name: string, claim: string, snapshotClass?: string) {
  return api.post<VolumeSnapshot>(snapshotsPath(namespace), {
    metadata: { name },
    spec: { source: { persistentVolumeClaimName: claim }, ...(snapshotClass ? { volumeSnapshotClassName: snapshotClass } : {}) },
  });
}

export interface RestoreRequest {
  name: string;
  /** empty: the snapshot's restore size */
  storage?: string;
  /** empty: the source claim's class, else the driver's default */
  storageClassName?: string;
}

/** restoreSnapshot makes a new claim from a snapshot. */
export function restoreSnapshot(namespace: string, snapshot: string, r: RestoreRequest) {
  const spec: Record<string, unknown> = {};
  if (r.storage) spec.resources = { requests: { storage: r.storage } };
  if (r.storageClassName) spec.storageClassName = r.storageClassName;
  return api.post<Claim>(`${snapshotsPath(namespace)}/${enc(snapshot)}/restore`, { metadata: { name: r.name }, spec });
}

export function deleteSnapshot(namespace: string, name: string) {
  return api.del<unknown>(`${snapshotsPath(namespace)}/${enc(name)}`);
}

/** deleteClaim deletes a claim through the Kubernetes API as the user. */
export function deleteClaim(namespace: string, name: string) {
  return deleteObject(claimKind, namespace, name);
}
