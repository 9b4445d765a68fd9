package io.edgeward.coap;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/** Californium clients for the tests: plain, and DTLS with a PSK. Closes what it made. */
final class Clients implements AutoCloseable {

    static {
        CoapConfig.register();
        UdpConfig.register();
        DtlsConfig.register();
    }

    private final List<CoapClient> clients = new ArrayList<>();
    private final List<CoapEndpoint> endpoints = new ArrayList<>();

    static Configuration config() {
        Configuration config = Configuration.createStandardWithoutFile();
        config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
        config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 1);
        config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 500, TimeUnit.MILLISECONDS);
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 64 * 1024);
        return config;
    }

    CoapClient plain(String uri) {
        Configuration config = config();
        CoapEndpoint endpoint = CoapEndpoint.builder()
                .setConfiguration(config)
                .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0))
                .build();
        return client(uri, endpoint);
    }

    CoapClient dtls(String uri, String identity, String key) {
        Configuration config = config();
        DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress("127.0.0.1", 0))
                .setAdvancedPskStore(new AdvancedSinglePskStore(identity, key.getBytes(StandardCharsets.US_ASCII)))
                .build());
        CoapEndpoint endpoint = CoapEndpoint.builder()
                .setConfiguration(config)
                .setConnector(connector)
                .build();
        return client(uri, endpoint);
    }

    private CoapClient client(String uri, CoapEndpoint endpoint) {
        endpoints.add(endpoint);
        CoapClient client = new CoapClient(uri);
        client.setEndpoint(endpoint);
        client.setTimeout(5_000L);
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        clients.forEach(CoapClient::shutdown);
        endpoints.forEach(CoapEndpoint::destroy);
    }
}
