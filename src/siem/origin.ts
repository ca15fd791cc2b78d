/** Where a record came from: the sender's address and, for MQTT, the device id taken from the topic. */
export interface Origin { address?: string; device?: string }
