package dev.caravan.tls;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.EllipticCurve;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Whether a private key is the one of a certificate's public key. RSA and EC keys are compared by the public key
 * they determine, in microseconds: a signature made with the key and verified with the certificate, the check that
 * holds for any key, takes 2 to 3 ms with the JDK's RSA and EC, 30 s of a core at 10,000 TLS Secrets. Ed25519 keys
 * are checked that way.
 */
final class KeyPairs {

    private static final byte[] PROBE = "caravan key check".getBytes(StandardCharsets.US_ASCII);
    /** The curves in BouncyCastle's form, with the multiples of their generator it keeps; a few named curves. */
    private static final Map<CurveKey, org.bouncycastle.jce.spec.ECParameterSpec> CURVES = new ConcurrentHashMap<>();
    private static final int MAX_CURVES = 8;

    private KeyPairs() {
    }

    /** @throws IllegalArgumentException for a key of a type Caravan does not serve */
    static boolean match(PrivateKey key, PublicKey certified) {
        if (key instanceof RSAPrivateKey rsa && key.getAlgorithm().equals("RSA")) {
            if (!(certified instanceof RSAPublicKey pair) || !certified.getAlgorithm().equals("RSA")
                    || !rsa.getModulus().equals(pair.getModulus())) {
                return false;
            }
            // the CRT parts a key file holds must make the modulus too, else the key signs nothing valid
            return !(rsa instanceof RSAPrivateCrtKey crt) || crt.getPublicExponent().equals(pair.getPublicExponent())
                    && crt.getPrimeP().multiply(crt.getPrimeQ()).equals(crt.getModulus());
        }
        if (key instanceof ECPrivateKey ec) {
            if (!(certified instanceof ECPublicKey pair) || !sameCurve(ec.getParams(), pair.getParams())) {
                return false;
            }
            BigInteger scalar = ec.getS();
            if (scalar.signum() <= 0 || scalar.compareTo(ec.getParams().getOrder()) >= 0) {
                // no key: its multiple of the generator would be the point at infinity, or another key's
                return false;
            }
            ECPoint point = new FixedPointCombMultiplier().multiply(curve(ec.getParams()).getG(), scalar).normalize();
            return !point.isInfinity() && point.getAffineXCoord().toBigInteger().equals(pair.getW().getAffineX())
                    && point.getAffineYCoord().toBigInteger().equals(pair.getW().getAffineY());
        }
        // BoringSSL serves Ed25519, not Ed448: refused here, where the Ingress is told, not at a handshake
        if (!(key instanceof EdECPrivateKey ed) || !ed.getParams().getName().equals("Ed25519")) {
            String type = key instanceof EdECPrivateKey ed ? ed.getParams().getName() : key.getAlgorithm();
            throw new IllegalArgumentException("tls.key is a " + type + " key; Caravan serves RSA, EC and Ed25519 keys");
        }
        String algorithm = "Ed25519";
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException otherType) {
            return false;
        }
    }

    private static boolean sameCurve(ECParameterSpec one, ECParameterSpec other) {
        return CurveKey.of(one).equals(CurveKey.of(other));
    }

    /** What makes a curve, each part compared by value (the JDK's specs compare by identity). */
    private record CurveKey(EllipticCurve curve, java.security.spec.ECPoint generator, BigInteger order, int cofactor) {

        static CurveKey of(ECParameterSpec params) {
            return new CurveKey(params.getCurve(), params.getGenerator(), params.getOrder(), params.getCofactor());
        }
    }

    private static org.bouncycastle.jce.spec.ECParameterSpec curve(ECParameterSpec params) {
        // their multiples of the generator are worth keeping, as most keys are on one of a few curves
        CurveKey key = CurveKey.of(params);
        org.bouncycastle.jce.spec.ECParameterSpec curve = CURVES.get(key);
        if (curve == null) {
            curve = EC5Util.convertSpec(params);
            if (CURVES.size() < MAX_CURVES) {
                CURVES.putIfAbsent(key, curve);
            }
        }
        return curve;
    }
}
