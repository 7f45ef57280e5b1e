extension SQLiteSchema {
    /// Device profiles as ThingsBoard users set them (issue 15): a description, the inactivity timeout and the default
    /// flag. The default TTL is the `storage_ttl` column retention added. A tenant's profile named `default` (every
    /// tenant got one at creation) becomes its default.
    static let deviceProfileSchema = """
        ALTER TABLE device_profile ADD COLUMN description TEXT;
        -- Seconds without activity after which a device counts as inactive (ThingsBoard's default 600).
        ALTER TABLE device_profile ADD COLUMN inactivity_timeout INTEGER NOT NULL DEFAULT 600;
        ALTER TABLE device_profile ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0;
        UPDATE device_profile SET is_default = 1 WHERE name = 'default';
        -- At most one default profile per tenant.
        CREATE UNIQUE INDEX device_profile_default ON device_profile(tenant_id) WHERE is_default = 1;
        CREATE INDEX device_profile_devices ON device(tenant_id, profile_id);
        """
}
